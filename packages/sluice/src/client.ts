/**
 * `sluice/client`: the typed client of the HTTP API, as the @sluice/client package has it (installed
 * with sluice). A project that only talks to a server installs @sluice/client alone.
 */
export * from "@sluice/client";
