// Bundle entry for dist/loader.min.js: the pasteable snippet.
import { runLoader } from '../loader-snippet.js';

runLoader(window, document, navigator, console);
