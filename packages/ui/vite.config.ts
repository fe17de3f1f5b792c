// Builds the app into dist/, which `sluice server` serves at /. Assets get hashed names (cached for good).
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 2000 },
  worker: { format: "es" },
});
