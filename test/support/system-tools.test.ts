import { isInstalled, missingToolsNotice } from './system-tools';

describe('system tools the tests need', () => {
  test('one notice names every missing program and the Debian packages to install', () => {
    expect(missingToolsNotice(['redis-server'])).toBe(
      "Skipping tests that need redis-server (the router Redis cache tests): not installed. Install with 'apt-get install -y redis-server' (.ci/run does).",
    );
    expect(missingToolsNotice([])).toBeUndefined();
  });

  test("the workers read what jest's globalSetup found", () => {
    const saved = process.env.CDK_BEDROCK_COST_MISSING_TOOLS;
    try {
      process.env.CDK_BEDROCK_COST_MISSING_TOOLS = 'redis-server';
      expect(isInstalled('redis-server')).toBe(false);
      process.env.CDK_BEDROCK_COST_MISSING_TOOLS = '';
      expect(isInstalled('redis-server')).toBe(true);
    } finally {
      if (saved === undefined) {
        delete process.env.CDK_BEDROCK_COST_MISSING_TOOLS;
      } else {
        process.env.CDK_BEDROCK_COST_MISSING_TOOLS = saved;
      }
    }
  });
});
