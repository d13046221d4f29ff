import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { CONFIG_FILE_NAME } from './contract';

/**
 * Where the configuration file the construct writes next to the bundle is. `CONFIG_FILE` may name
 * another file (absolute, or relative to the task root) so the handler can run outside Lambda.
 */
export function configFilePath(env: NodeJS.ProcessEnv = process.env): string {
  const file = env.CONFIG_FILE || CONFIG_FILE_NAME;
  const root = env.LAMBDA_TASK_ROOT || process.cwd();
  return isAbsolute(file) ? file : join(root, file);
}

/** Reads the JSON configuration (see configFilePath). */
export function readConfigFile<T>(): T {
  const path = configFilePath();
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (error) {
    throw new Error(`cannot read the routing configuration ${path}: ${(error as Error).message}`, { cause: error });
  }
}
