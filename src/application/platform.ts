import type { PlatformConfig } from './request-types';

export interface PlatformSelector {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

const ARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', s390x: 's390x', ppc64: 'ppc64le', riscv64: 'riscv64' };

/** The platform to select from an index: configured fields, else the one we run on (as the Go resource uses GOOS/GOARCH). */
export function defaultPlatform(config?: PlatformConfig, runtime: { platform: string; arch: string } = process): PlatformSelector {
  return {
    os: config?.os ?? (runtime.platform === 'win32' ? 'windows' : runtime.platform),
    architecture: config?.architecture ?? ARCH[runtime.arch] ?? runtime.arch,
    ...(config?.variant ? { variant: config.variant } : {}),
  };
}
