export const HostPlatform = Symbol('HostPlatform');

/** The OS/architecture `in` selects from an image index when neither source nor params name a platform. */
export interface HostPlatform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}
