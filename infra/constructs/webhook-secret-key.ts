import { RemovalPolicy } from 'aws-cdk-lib';
import { Grant } from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { SECRET_CONTEXT_KEYS } from '../../shared/domain/events/webhook-secret';

/** Props of the {@link WebhookSecretKey}. */
export interface WebhookSecretKeyProps {
  /**
   * The key's alias, without `alias/`.
   *
   * @default - `aif-webhook-secrets-<stack name>`
   */
  readonly aliasName?: string;
}

/**
 * The customer-managed KMS key that seals webhook signing secrets at the application layer
 * (symmetric, yearly automatic rotation, retained: deleting it would make every stored secret
 * unreadable), with an alias. Functions get it by {@link bindWebhookSecretKey}.
 *
 * @example const key = new WebhookSecretKey(this, 'WebhookSecretKey'); key.key.keyArn;
 */
export class WebhookSecretKey extends Construct {
  /** The key. */
  readonly key: Key;

  constructor(scope: Construct, id: string, props: WebhookSecretKeyProps = {}) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description:
        'Agent Integration Framework: seals webhook signing secrets (encryption context: tenant, subscription)',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.key.addAlias(`alias/${props.aliasName ?? `aif-webhook-secrets-${this.node.addr.slice(0, 8)}`}`);
  }
}

/**
 * Gives a function the webhook-secret key for one use, in one call: WEBHOOK_SECRET_KEY_ARN and an
 * identity-policy grant of `kms:Encrypt` (the creator) or `kms:Decrypt` (the signer) on the key,
 * only for requests whose encryption context holds exactly the tenant and subscription keys
 * (`kms:EncryptionContextKeys`, both present). The key policy is CDK's default (the account's IAM
 * policies decide), so no cross-stack key-policy edit is needed.
 *
 * @param use - `encrypt` or `decrypt` (the function manifest's `webhookSecrets`)
 * @returns the IAM grant
 * @example bindWebhookSecretKey(events.function, stateful.webhookSecretKey, 'encrypt');
 */
export function bindWebhookSecretKey(fn: LambdaFunction, key: IKey, use: 'encrypt' | 'decrypt'): Grant {
  fn.addEnvironment('WEBHOOK_SECRET_KEY_ARN', key.keyArn);
  const contextKeys = [SECRET_CONTEXT_KEYS.tenant, SECRET_CONTEXT_KEYS.subscription];
  return Grant.addToPrincipal({
    grantee: fn,
    actions: [use === 'encrypt' ? 'kms:Encrypt' : 'kms:Decrypt'],
    resourceArns: [key.keyArn],
    conditions: {
      'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': contextKeys },
      Null: Object.fromEntries(contextKeys.map((k) => [`kms:EncryptionContext:${k}`, 'false'])),
    },
  });
}
