/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The gateway serves the build; in `npm run dev` Vite proxies the API to a running `make up`.
const gateway = "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react({ babel: { plugins: ["relay"] } })],
  build: {
    outDir: "dist",
    // The gateway's CSP allows scripts from 'self' only: no inline module-preload helper.
    modulePreload: { polyfill: false },
    // The entry is ~250 kB gzip (React, Mantine, Relay, the router); screens load per route.
    chunkSizeWarningLimit: 900,
  },
  server: {
    proxy: {
      "/graphql": gateway,
      "/api": gateway,
      "/uploads": gateway,
      "/healthz": gateway,
    },
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["./src/test/setup.ts"],
    css: false,
  },
});
