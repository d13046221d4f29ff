import { spawnSync } from 'node:child_process';

/**
 * Programs some tests need that a fresh machine may lack, with the Debian package that brings
 * each. Where one is missing its tests skip, and jest prints one notice for the whole run
 * (this module is jest's globalSetup); `.ci/run` installs them all, so CI runs every test.
 */
export const SYSTEM_TOOLS = {
  'redis-server': { debianPackage: 'redis-server', usedBy: 'the router Redis cache tests' },
} as const;

export type SystemTool = keyof typeof SYSTEM_TOOLS;

/** Set by globalSetup for the workers it starts: the tools it found missing, comma-separated. */
const MISSING_VARIABLE = 'CDK_BEDROCK_COST_MISSING_TOOLS';

export function isInstalled(tool: SystemTool): boolean {
  const missing = process.env[MISSING_VARIABLE];
  if (missing !== undefined) {
    return !missing.split(',').includes(tool);
  }
  return spawnSync(tool, ['--version'], { stdio: 'ignore' }).error === undefined;
}

/** `describe` where `tool` is installed, `describe.skip` where not (globalSetup has said so once). */
export function describeWith(tool: SystemTool): jest.Describe {
  return isInstalled(tool) ? describe : describe.skip;
}

/** The notice for missing tools, or undefined when nothing is missing. */
export function missingToolsNotice(missing: readonly SystemTool[]): string | undefined {
  if (missing.length === 0) {
    return undefined;
  }
  const packages = [...new Set(missing.map((tool) => SYSTEM_TOOLS[tool].debianPackage))].join(' ');
  const what = missing.map((tool) => `${tool} (${SYSTEM_TOOLS[tool].usedBy})`).join(', ');
  return `Skipping tests that need ${what}: not installed. Install with 'apt-get install -y ${packages}' (.ci/run does).`;
}

export default function globalSetup(): void {
  const missing = (Object.keys(SYSTEM_TOOLS) as SystemTool[]).filter(
    (tool) => spawnSync(tool, ['--version'], { stdio: 'ignore' }).error !== undefined,
  );
  process.env[MISSING_VARIABLE] = missing.join(',');
  const notice = missingToolsNotice(missing);
  if (notice) {
    process.stderr.write(`\n${notice}\n`);
  }
}
