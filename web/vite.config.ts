import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

// The app is served by gongzhi itself at `/`; in development, Vite proxies
// the API to a running `gongzhi serve`.
export default defineConfig({
  plugins: [vue()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
  test: {
    include: ['src/**/*.test.ts'],
  },
})
