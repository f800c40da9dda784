import { ConflictError } from '../errors';

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
