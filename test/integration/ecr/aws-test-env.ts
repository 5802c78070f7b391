/**
 * The environment ECR tests run the resource with: nothing inherited from the host (no profile,
 * keys, region or endpoints leak in), no shared files, no instance-metadata probing, and the
 * SDK's endpoints on the fake. `AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED` is left out on
 * purpose: the resource itself must keep the SDK's Node 20 warning off stderr.
 */
import type { FakeAws } from '../support/fake-aws';
import type { RunBinOptions } from '../support/run-bin';

export function awsRunOptions(fake: FakeAws, env: Record<string, string> = {}, args?: string[]): RunBinOptions {
  return {
    inheritEnv: false,
    env: {
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_EC2_METADATA_DISABLED: 'true',
      ...fake.endpointEnv(),
      ...env,
    },
    ...(args ? { args } : {}),
  };
}

/** Whatever a run printed, for "no secret anywhere" assertions. */
export function expectNoSecret(output: string, secrets: readonly string[]): string[] {
  return secrets.filter((secret) => secret.length >= 4 && output.includes(secret));
}
