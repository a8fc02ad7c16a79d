// Regenerates schemas/config.schema.json from the runtime config's zod schema (make config-schema).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configJsonSchemaText } from '../src/runtime/config.js';

const target = fileURLToPath(new URL('../schemas/config.schema.json', import.meta.url));
writeFileSync(target, configJsonSchemaText());
process.stdout.write(`wrote ${target}\n`);
