import { DomainError, NotFoundError } from '../domain/errors';

/** The body's Content-Type is not one the route accepts (HTTP 415). */
export class UnsupportedMediaTypeError extends DomainError {
  readonly code = 'unsupported-media-type';
  readonly title = 'The request body is in a media type this operation does not accept';
}

/** The path exists but not with this method (HTTP 405); `allow` becomes the Allow header (RFC 9110 §15.5.6). */
export class MethodNotAllowedError extends DomainError {
  readonly code = 'method-not-allowed';
  readonly title = 'The method is not allowed on this resource';

  constructor(
    message: string,
    readonly allow: string[],
  ) {
    super(message);
  }
}

/** No route has this path (HTTP 404). */
export class RouteNotFoundError extends NotFoundError {
  override readonly code = 'route-not-found';
  override readonly title = 'No such route';
}

/** No media type the client accepts can be produced (HTTP 406); `available` lists what can. */
export class NotAcceptableError extends DomainError {
  readonly code = 'not-acceptable';
  readonly title = 'The answer cannot be produced in a media type the client accepts';

  constructor(
    message: string,
    readonly available: readonly string[],
  ) {
    super(message, [], { extensions: { available } });
  }
}
