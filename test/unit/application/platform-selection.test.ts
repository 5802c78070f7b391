import { describe, expect, it } from 'vitest';
import { selectPlatform, wantedPlatform } from '../../../src/application/platform-selection';
import type { Descriptor, ImageIndex } from '../../../src/domain/manifest';

const host = { os: 'linux', architecture: 'amd64', variant: 'v3' };

describe('wantedPlatform (Go Source.Platform)', () => {
  it('takes params.platform whole over source.platform, then fills empty fields from the host', () => {
    const source = { os: 'windows', architecture: 'arm64', variant: 'v8' };
    expect(wantedPlatform(source, { architecture: 's390x' }, host)).toEqual({ os: 'linux', architecture: 's390x' });
    expect(wantedPlatform(source, {}, host)).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(wantedPlatform(source, undefined, host)).toEqual(source);
    expect(wantedPlatform({ os: '', architecture: '' }, undefined, host)).toEqual({
      os: 'linux',
      architecture: 'amd64',
    });
  });

  it('never takes the host variant (Go matches on os and architecture only)', () => {
    expect(wantedPlatform(undefined, undefined, host)).toEqual({ os: 'linux', architecture: 'amd64' });
  });
});

describe('selectPlatform (go-containerregistry matchesPlatform)', () => {
  const entry = (digest: string, platform?: Descriptor['platform']): Descriptor => ({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest,
    size: 1,
    ...(platform ? { platform } : {}),
  });
  const index: ImageIndex = {
    schemaVersion: 2,
    manifests: [
      entry('arm-v6', { os: 'linux', architecture: 'arm', variant: 'v6' }),
      entry('arm-v7', { os: 'linux', architecture: 'arm', variant: 'v7' }),
      entry('no-platform'),
      entry('amd64', { os: 'linux', architecture: 'amd64' }),
    ],
  };

  it('takes the first entry whose os and architecture match; an entry without platform is linux/amd64', () => {
    expect(selectPlatform(index, { os: 'linux', architecture: 'amd64' })?.digest).toBe('no-platform');
    expect(selectPlatform(index, { os: 'linux', architecture: 'arm' })?.digest).toBe('arm-v6');
    expect(selectPlatform(index, { os: 'linux', architecture: 'ppc64le' })).toBeUndefined();
  });

  it('narrows by variant only when one is wanted', () => {
    expect(selectPlatform(index, { os: 'linux', architecture: 'arm', variant: 'v7' })?.digest).toBe('arm-v7');
    expect(selectPlatform(index, { os: 'linux', architecture: 'amd64', variant: 'v2' })).toBeUndefined();
  });
});
