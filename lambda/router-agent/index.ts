/**
 * The built-in agent of a ModelRouter tier: the router invokes it synchronously with an
 * AgentRequest, it asks the tier's model through Converse (the tier's application inference
 * profile, so the spend carries the tier's cost allocation tags) and answers with an
 * AgentResponse: the answer, `{ escalate: true }` when the model declines, or an error code.
 * Upstream problems never throw; they come back as `{ error }` so the router can map them.
 *
 * Users may replace it with their own function (tools, retrieval, another provider) as long as it
 * honors the same contract: lambda/routing-shared/contract.ts, AgentRequest in, AgentResponse out,
 * usage always reported so the router can price the call.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { BedrockRuntimeClient, ConverseCommand, type ConverseCommandOutput } from '@aws-sdk/client-bedrock-runtime';
import { type Context } from 'aws-lambda';
import { readConfigFile } from '../routing-shared/config-file';
import { type AgentConfig, type AgentRequest, type AgentResponse } from '../routing-shared/contract';
import { budget } from '../routing-shared/deadline';
import { withRetries } from '../routing-shared/retry';
import { usageOf } from '../routing-shared/usage';
import { positiveIntegerEnv } from '../shared/env';
import { answerText, errorCodeOf, errorMessageOf, isEscalation, transientFaultOf, type UpstreamErrorCode } from './reply';
import { checkAgentRequest, converseInput } from './request';

/** Stop this long before the router's deadline, so the answer still reaches the router in time. */
export const DEADLINE_MARGIN_MS = 250;
const DEFAULT_MAX_ATTEMPTS = 3;

// Created once per container. The SDK makes one attempt per send: the retries are ours
// (withRetries), so throttling and server faults are retried with the SDK's jittered backoff
// but never past the deadline, and a reset HTTP/2 stream, which the SDK does not retry, is too.
const client = new BedrockRuntimeClient({ maxAttempts: 1 });
const maxAttempts = positiveIntegerEnv('MAX_ATTEMPTS', DEFAULT_MAX_ATTEMPTS);
const logger = new Logger();

interface Settings {
  readonly config: AgentConfig;
  readonly modelId: string;
  readonly fallbackModelId?: string;
}

let settings: Settings | undefined;

/** Read on the first invocation, not at load, so the module loads without its configuration file. */
function loadSettings(): Settings {
  if (settings === undefined) {
    const modelId = process.env.MODEL_ID;
    if (!modelId) {
      throw new Error('environment variable MODEL_ID is not set');
    }
    settings = { config: readConfigFile<AgentConfig>(), modelId, fallbackModelId: process.env.FALLBACK_MODEL_ID || undefined };
  }
  return settings;
}

/** An agent response and what the log line says about it (never the prompt or the answer). */
interface Outcome {
  readonly response: AgentResponse;
  readonly stopReason?: string;
  /** Why the fallback was called, or why the primary failed. */
  readonly primaryError?: string;
}

export const handler = async (payload: unknown, context?: Context): Promise<AgentResponse> => {
  const started = Date.now();
  const { config, modelId, fallbackModelId } = loadSettings();
  const checked = checkAgentRequest(payload, config.maxTokens);
  if ('problem' in checked) {
    logger.error('Invalid agent request', { tier: config.tier, problem: checked.problem });
    return { error: { code: 'UpstreamError', message: `invalid agent request: ${checked.problem}` } };
  }
  const { request } = checked;
  const budgetMs = timeBudgetMs(request.timeoutMs, context);
  const call: CallState = { deadline: performance.now() + budgetMs };
  const time = budget(budgetMs);
  let outcome: Outcome;
  try {
    // Raced rather than only aborted, so the deadline holds whatever the SDK is doing.
    outcome = await time.race(ask(request, { config, modelId, fallbackModelId }, time.signal, call), () => DEADLINE);
  } catch (error) {
    if (error !== DEADLINE) {
      throw error;
    }
    outcome = timedOut(call, budgetMs);
  } finally {
    time.dispose();
  }
  log(outcome, request, config.tier, Date.now() - started);
  return outcome.response;
};

const DEADLINE = Symbol('deadline');

/** One invocation's deadline and the last transient fault it met (so a timeout can say "still throttled"). */
interface CallState {
  readonly deadline: number;
  lastFault?: { readonly code: UpstreamErrorCode; readonly message: string };
}

/**
 * At the deadline: a call that kept failing transiently (throttled, unavailable) reports that
 * fault, so the client hears 429 or 503 and retries, rather than 504.
 */
function timedOut(call: CallState, budgetMs: number): Outcome {
  if (call.lastFault) {
    const { code, message } = call.lastFault;
    return { response: { error: { code, message: `${message} (still failing after ${budgetMs} ms)` } } };
  }
  return { response: { error: { code: 'Timeout', message: `no answer from Bedrock within ${budgetMs} ms` } } };
}

/**
 * The router's timeout less a margin, bounded by what is left of this invocation too (a function
 * timeout shorter than the router's would otherwise kill the call without an answer). The margin
 * never takes more than half of a short budget.
 */
function timeBudgetMs(timeoutMs: number, context: Context | undefined): number {
  const remaining = context?.getRemainingTimeInMillis?.() ?? Infinity;
  const limit = Math.min(timeoutMs, remaining);
  return Math.max(limit - DEADLINE_MARGIN_MS, limit / 2);
}

/** The tier's model, then its fallback once when the model stays busy or unavailable. */
async function ask(request: AgentRequest, { config, modelId, fallbackModelId }: Settings, signal: AbortSignal, call: CallState): Promise<Outcome> {
  // The fallback runs on the standard tier: it exists for when the tier's own capacity is short.
  const converse = (id: string, promptCaching: boolean, serviceTier?: AgentConfig['serviceTier']) =>
    withRetries(() => client.send(new ConverseCommand(converseInput(config, request, id, promptCaching, serviceTier)), { abortSignal: signal }), {
      maxAttempts,
      deadline: call.deadline,
      signal,
      faultOf: (error) => transientFaultOf(errorCodeOf(error)),
      onFault: (_fault, error) => {
        call.lastFault = { code: errorCodeOf(error), message: errorMessageOf(error) };
      },
    });
  let primary: ConverseCommandOutput;
  try {
    primary = await converse(modelId, config.promptCaching, config.serviceTier);
  } catch (error) {
    const code = errorCodeOf(error);
    if (transientFaultOf(code) === undefined || fallbackModelId === undefined || signal.aborted) {
      return { response: { error: { code, message: errorMessageOf(error) } }, primaryError: errorName(error) };
    }
    try {
      const fallback = await converse(fallbackModelId, config.fallbackPromptCaching);
      return { ...reply(fallback, true), primaryError: errorName(error) };
    } catch (fallbackError) {
      // The fallback's failure decides the code: it is the last thing tried.
      const message = `${errorMessageOf(error)}; fallback: ${errorMessageOf(fallbackError)}`;
      return { response: { error: { code: errorCodeOf(fallbackError), message } }, primaryError: errorName(error) };
    }
  }
  return reply(primary, false);
}

function reply(output: ConverseCommandOutput, usedFallback: boolean): Outcome {
  const usage = usageOf(output.usage);
  const stopReason = output.stopReason;
  const fallbackFlag = usedFallback ? { usedFallback: true } : {};
  const answer = answerText(output.output);
  if (answer === undefined) {
    return { response: { error: { code: 'UpstreamError', message: `the model replied without text (stopReason ${stopReason})` }, usage }, stopReason };
  }
  // Also when the request may not move up: the router then answers ModelDeclined, never the marker.
  if (isEscalation(answer)) {
    return { response: { escalate: true, usage, ...fallbackFlag }, stopReason };
  }
  return { response: { answer, usage, ...(stopReason ? { stopReason } : {}), ...fallbackFlag }, stopReason };
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

function log({ response, stopReason, primaryError }: Outcome, request: AgentRequest, tier: string, latencyMs: number): void {
  const fields = {
    tier,
    requestId: request.requestId,
    tenantId: request.tenantId,
    outcome: 'error' in response ? response.error.code : 'escalate' in response ? 'escalate' : 'answer',
    usage: response.usage,
    stopReason,
    usedFallback: 'usedFallback' in response && response.usedFallback === true,
    primaryError,
    latencyMs,
  };
  if ('error' in response) {
    logger.warn('Agent call failed', { ...fields, error: response.error.message });
  } else {
    logger.info('Agent call', fields);
  }
}
