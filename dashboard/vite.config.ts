// The dashboard is built into dist/ and served by the omni-arb API at `/` (create_app's
// dashboard_dir), so every URL is relative to the page and nothing is fetched from elsewhere.
import { defineConfig } from "vite";

export default defineConfig({
  base: "./",
  oxc: { jsx: { runtime: "automatic", importSource: "react" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    // One small bundle: no lazy chunks to wait for on a slow link.
    chunkSizeWarningLimit: 400,
  },
  server: {
    // `npm run dev` against a running bot: OMNIARB_API=http://127.0.0.1:PORT npm run dev
    proxy: process.env.OMNIARB_API
      ? {
          "^/(status|chains|opportunities|trades|pnl|alerts|breaker|config|metrics)": process.env.OMNIARB_API,
          "/ws": { target: process.env.OMNIARB_API.replace(/^http/, "ws"), ws: true },
        }
      : undefined,
  },
});
