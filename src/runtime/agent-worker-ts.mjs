// Source checkouts: the piscina worker's entry registers tsx's loader in its own thread (so dynamic imports of TypeScript modules resolve too), then loads the TypeScript entry.
import { register } from 'tsx/esm/api';

register();
const entry = await import('./agent-worker.ts');
export default entry.default;
