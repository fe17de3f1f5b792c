/**
 * The HTTP API server.
 * @example
 * const server = await SluiceServer.start({ config: ".", port: 8080 });
 * // ... later
 * await server.close();
 */
export { SluiceServer } from "./server.js";
export type { ServerOptions } from "./server.js";
export { buildApp, describeApi, openApiDocument } from "./app.js";
export { createApiKey, hashApiKey } from "./keys.js";
export { RunManager } from "./run-manager.js";
