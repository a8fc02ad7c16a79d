// Progress of a long research job: the one progress style of the command line (src/core/progress.ts).
export { silentProgress, streamProgress, type Progress } from '../core/progress.js';
