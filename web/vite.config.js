// Vite 5 build of the browser app (docs/web.md). The output directory is given by the build
// script (scripts/web-build.sh → the CMake build tree), never the source tree. Templates are
// compiled at build time and the runtime-only Vue build is bundled, so the app needs no eval
// and no inline script or style: it runs under the server's strict Content-Security-Policy.
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

export default defineConfig({
  plugins: [vue()],
  build: {
    outDir: process.env.TG_WEB_OUT || 'dist',
    emptyOutDir: true,
    // No data: URIs for scripts/styles, no inlined CSS: everything is a file under /assets/.
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    sourcemap: false,
    // The module-preload polyfill is a script of its own in the bundle, not inline.
    modulePreload: { polyfill: false },
  },
});
