/**
 * Loader: imports users' modules; TypeScript through an on-disk compile cache instead of module
 * hooks (typescript.ts). Used by the runtime and by worker threads, which load the same files.
 */
export { importUserModule } from "./typescript.js";
export { isTypeScript } from "./file-kinds.js";
