import { spawnSync } from 'node:child_process';

export interface CfnLintFinding {
  readonly Level: string;
  readonly Message: string;
  readonly Rule: { readonly Id: string };
  readonly Filename: string;
}

/** Whether AWS's CloudFormation linter is on this machine. */
export function cfnLintAvailable(): boolean {
  const probe = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
  return probe.error === undefined && probe.status === 0;
}

/** Runs cfn-lint over the templates and returns every finding it reports. */
export function cfnLint(templates: readonly string[]): CfnLintFinding[] {
  const result = spawnSync('cfn-lint', ['--format', 'json', '--', ...templates], { encoding: 'utf8' });
  if (result.error) {
    throw result.error;
  }
  // cfn-lint's exit status is a bit mask of the levels it found; its JSON lists them.
  const output = result.stdout.trim();
  if (output === '') {
    if (result.status !== 0) {
      throw new Error(`cfn-lint failed without findings (status ${result.status}): ${result.stderr}`);
    }
    return [];
  }
  return JSON.parse(output) as CfnLintFinding[];
}
