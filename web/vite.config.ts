// The app is served by the gateway at /, so in development Vite forwards the API to a running
// gateway (make up) and the browser still sees one origin (cookies stay first-party).
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const gateway = process.env.JF_GATEWAY_URL ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react()],
  build: { target: "es2020", sourcemap: false, assetsInlineLimit: 0 },
  server: { proxy: { "/v1": gateway, "/docs": gateway, "/openapi.json": gateway } },
});
