import { ConflictError, DomainError } from '../errors';

/**
 * An instance id is registered by another principal (HTTP 409): re-registering it would hand that
 * principal's callers — their `Authorization` and `Cookie` headers included — to this caller's
 * endpoint, so the registry never takes an instance over. The message names the id only, never
 * the owner.
 */
export class InstanceOwnedError extends ConflictError {
  override readonly title: string = 'This instance id is registered by another principal';

  /** @param id - the instance id that was sent */
  constructor(readonly id: string) {
    super(`The instance "${id}" is registered by another principal; register under another id`);
  }
}

/**
 * A routed call's body is in a media type no candidate instance of the service can be sent, even
 * converted (HTTP 415): the problem names the instances' `supportedFormats`.
 */
export class InstanceFormatUnsupportedError extends DomainError {
  readonly code: string = 'unsupported-media-type';
  readonly title: string = 'No instance of the service reads the request body in this media type';

  /**
   * @param supportedFormats - what the service's instances declare (and what the router converts to)
   * @param reason - the problem at `/headers/content-type` (@default the message)
   */
  constructor(
    message: string,
    readonly supportedFormats: readonly string[],
    reason = message,
  ) {
    super(message, [{ pointer: '/headers/content-type', message: reason, keyword: 'supportedFormats' }], {
      extensions: { supportedFormats },
    });
  }
}

/**
 * Nothing a candidate instance writes, even converted, is in the caller's `Accept` (HTTP 406):
 * `available` lists what could be answered.
 */
export class InstanceFormatNotAcceptableError extends DomainError {
  readonly code: string = 'not-acceptable';
  readonly title: string = 'The answer cannot be produced in a media type the client accepts';

  /** @param available - the media types the service's instances could answer in */
  constructor(
    message: string,
    readonly available: readonly string[],
  ) {
    super(message, [{ pointer: '/headers/accept', message, keyword: 'supportedFormats' }], {
      extensions: { available },
    });
  }
}
