// Where the built app lives: the server serves this folder at /.
import { fileURLToPath } from "node:url";

export const uiRoot = fileURLToPath(new URL("./dist", import.meta.url));
