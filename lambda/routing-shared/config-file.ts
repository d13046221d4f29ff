import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { CONFIG_FILE_NAME } from './contract';

/**
 * Reads the JSON configuration the construct writes next to the bundle. `CONFIG_FILE` may name
 * another file (absolute, or relative to the task root) so the handler can run outside Lambda.
 */
export function readConfigFile<T>(): T {
  const file = process.env.CONFIG_FILE || CONFIG_FILE_NAME;
  const root = process.env.LAMBDA_TASK_ROOT || process.cwd();
  const path = isAbsolute(file) ? file : join(root, file);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (error) {
    throw new Error(`cannot read the routing configuration ${path}: ${(error as Error).message}`, { cause: error });
  }
}
