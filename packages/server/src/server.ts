/**
 * `sluice server`: opens the home, loads the workspace, registers its flows, and serves the API on
 * node:http. Runs it started are cancelled (resumable) when it stops.
 */
import { serve, type ServerType } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import {
  SluiceError,
  loadWorkspace,
  notificationsDelivered,
  openHome,
  type SluiceHome,
} from "sluice/internal";
import { buildApp, type Api } from "./app.js";
import { RunManager } from "./run-manager.js";

export interface ServerOptions {
  /** The workspace config file, or the folder holding it. @defaultValue the working directory */
  config?: string;
  home?: string;
  /** @defaultValue 8080; 0 picks a free port */
  port?: number;
  /** @defaultValue 127.0.0.1 */
  host?: string;
  /** Serve without API keys; refused unless host is 127.0.0.1. */
  insecureLocal?: boolean;
  /** false: do not fire the workspace's schedules (another process does). @defaultValue true */
  scheduler?: boolean;
  maxBodyBytes?: number;
  version?: string;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

export class SluiceServer {
  private constructor(
    readonly app: Api,
    readonly manager: RunManager,
    private readonly http: ServerType,
    private readonly home: SluiceHome,
    readonly url: string,
  ) {}

  static async start(options: ServerOptions = {}): Promise<SluiceServer> {
    const host = options.host ?? "127.0.0.1";
    if (options.insecureLocal && !LOOPBACK.has(host)) {
      throw new SluiceError(
        "invalid-usage",
        `--insecure-local turns off API keys, so it is only allowed on 127.0.0.1, not ${host}. Drop it and create keys with: sluice keys create --project P`,
      );
    }
    const workspace = await loadWorkspace(options.config);
    const home = await openHome(options.home);
    const manager = new RunManager(home, workspace, home.serverTables);
    await manager.register();
    let url: string | undefined; // known once bound (port 0 picks one)
    const app = buildApp({
      manager,
      version: options.version ?? "0",
      insecureLocal: options.insecureLocal,
      maxBodyBytes: options.maxBodyBytes,
      listeningUrl: () => url,
    });
    const http = await new Promise<ServerType>((resolve, reject) => {
      const server = serve({ fetch: app.fetch, port: options.port ?? 8080, hostname: host }, () =>
        resolve(server),
      );
      server.once("error", (error) =>
        reject(
          new SluiceError(
            "invalid-usage",
            `Cannot listen on ${host}:${options.port ?? 8080}: ${error.message}. Choose another --port.`,
            { cause: error },
          ),
        ),
      );
    });
    const { port } = http.address() as AddressInfo;
    url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
    if (options.scheduler !== false && workspace.schedules.length > 0)
      manager.scheduler.startLoop();
    return new SluiceServer(app, manager, http, home, url);
  }

  /** Stops accepting requests, cancels the runs it started (they can be resumed), closes the store. */
  async close(): Promise<void> {
    await this.manager.scheduler.stop();
    await this.manager.close();
    await notificationsDelivered();
    await new Promise<void>((resolve) => {
      this.http.close(() => resolve());
      (this.http as { closeAllConnections?: () => void }).closeAllConnections?.();
    });
    this.home.close();
  }
}
