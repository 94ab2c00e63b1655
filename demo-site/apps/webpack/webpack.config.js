// A plain webpack 5 production build; index.html is copied by the build script (no plugin).
import { fileURLToPath } from 'node:url';

export default {
  mode: 'production',
  entry: './src/main.js',
  output: {
    path: fileURLToPath(new URL('./dist', import.meta.url)),
    filename: 'main.js',
    clean: true,
  },
};
