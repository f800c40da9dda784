import { Stack, Validations } from 'aws-cdk-lib';
// cdk-nag names a wildcard finding after the resource flattened by this very function; using it
// (instead of a copy) keeps the acknowledged id equal to the finding's.
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges cdk-nag's `AwsSolutions-IAM5` finding for one wildcard resource of an IAM policy
 * below `scope`, with a reason.
 *
 * cdk-nag names such a finding after the resolved ARN (`AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:…]`).
 * When the ARN holds a value of another stack (a bus name, an archive ARN), the resolved form is an
 * `Fn::ImportValue` of an export whose name CDK generates while it resolves cross-stack references
 * during synthesis. The acknowledgement is therefore recorded by a construct validation, which
 * runs after that resolution and before the policy validation plugins (cdk-nag) read the
 * acknowledgements — the id is computed, never guessed, and only this exact resource is accepted.
 *
 * @param scope - the IAM policy, or a construct above it (e.g. the function's role)
 * @param resourceArn - the wildcard resource exactly as it is granted (tokens included)
 * @param reason - why the wildcard is needed
 * @example
 * acknowledgeWildcardResource(fn.role!, ruleArnPattern, 'Rule names are chosen at run time; the prefix scopes them.');
 */
export function acknowledgeWildcardResource(scope: IConstruct, resourceArn: string, reason: string): void {
  const acknowledged = new Set<string>();
  scope.node.addValidation({
    validate: () => {
      const id = `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(scope).resolve(resourceArn))}]`;
      // Each synthesis validates the tree again; record the acknowledgement once.
      if (!acknowledged.has(id)) {
        acknowledged.add(id);
        Validations.of(scope).acknowledge({ id, reason });
      }
      return [];
    },
  });
}
