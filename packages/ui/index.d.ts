/** The folder of the built web UI (index.html and its assets), which `sluice server` serves at `/`. */
export declare const uiRoot: string;
