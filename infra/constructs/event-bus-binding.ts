import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { Grant } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';

/**
 * Lets a function publish to the framework's bus: sets `EVENT_BUS_NAME` and grants
 * `events:PutEvents` on that bus only, in one call.
 *
 * @param fn - the publishing function
 * @param bus - the custom bus of the stateful stack
 * @returns the IAM grant
 * @example bindEventBus(errors.function, stateful.eventBus);
 */
export function bindEventBus(fn: LambdaFunction, bus: IEventBus): Grant {
  fn.addEnvironment('EVENT_BUS_NAME', bus.eventBusName);
  return bus.grantPutEventsTo(fn);
}
