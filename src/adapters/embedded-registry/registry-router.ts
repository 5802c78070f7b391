import { methodNotAllowed, OciError } from './oci-error';
import type { RegistryExchange } from './registry-exchange';
import { reply } from './registry-reply';
import { isValidRepositoryName, parseRegistryRoute, type RouteOf } from './registry-route';

type Answer = void | Promise<void>;

/** The handlers a router hands requests to, one per concern. */
export interface RegistryHandlers {
  readonly blobs: {
    handle(route: RouteOf<'blob'>, x: RegistryExchange): Answer;
    /** `true` when it answered the upload request as a mount. */
    mount(name: string, x: RegistryExchange): boolean;
  };
  readonly manifests: { handle(route: RouteOf<'manifest'> | RouteOf<'tags'>, x: RegistryExchange): Answer };
  readonly uploads: { handle(route: RouteOf<'uploads'> | RouteOf<'upload'>, x: RegistryExchange): Answer };
}

/**
 * Path → handler. Answers the version check itself; refuses paths outside the API and invalid
 * repository names before any handler sees them. Throws `OciError`s for the caller to render.
 */
export class RegistryRouter {
  constructor(private readonly handlers: RegistryHandlers) {}

  async route(x: RegistryExchange): Promise<void> {
    const route = parseRegistryRoute(x.url.pathname);
    if (!route) throw new OciError('UNSUPPORTED', `no such endpoint: ${x.method} ${x.url.pathname}`);
    if (route.kind === 'base') {
      if (x.method !== 'GET' && x.method !== 'HEAD') throw methodNotAllowed(x);
      return reply(x.res, 200, { 'Content-Type': 'application/json' }, x.method === 'HEAD' ? undefined : '{}');
    }
    if (!isValidRepositoryName(route.name)) {
      throw new OciError('NAME_INVALID', `invalid repository name "${route.name}"`);
    }
    switch (route.kind) {
      case 'blob':
        return this.handlers.blobs.handle(route, x);
      case 'manifest':
      case 'tags':
        return this.handlers.manifests.handle(route, x);
      case 'uploads':
        // A mount the source cannot serve becomes an ordinary upload, as the spec says.
        if (x.method === 'POST' && this.handlers.blobs.mount(route.name, x)) return;
        return this.handlers.uploads.handle(route, x);
      case 'upload':
        return this.handlers.uploads.handle(route, x);
    }
  }
}
