// Artifact names: every file of a run sits in the artifacts dir as `<run_id>_<agent>_<kind>.<ext>`.
import { join } from 'node:path';
import { writeFileAtomic } from '../core/index.js';

export function artifactPath(dir: string, runId: string, agent: string, kind: string): string {
  return join(dir, `${runId}_${agent}_${kind}`);
}

/** Write an artifact atomically and return its path. */
export function writeArtifact(dir: string, runId: string, agent: string, kind: string, text: string): string {
  const path = artifactPath(dir, runId, agent, kind);
  writeFileAtomic(path, text);
  return path;
}

/** Stable JSON text of an artifact (two-space indent, trailing newline). */
export const jsonText = (value: unknown): string => JSON.stringify(value, null, 2) + '\n';
