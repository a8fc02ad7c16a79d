// Public face of src/verify: independent checkers of results, reading only files (captures, event files, run folders).
export * from './verify-fills.js';
export { bookGapsOf, type BookGaps, type GapWindow } from './capture-books.js';
