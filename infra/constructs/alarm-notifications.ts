import { RemovalPolicy } from 'aws-cdk-lib';
import { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct, type IConstruct } from 'constructs';

/** Where alarms notify (context `alarmTopicArn` or `alarmEmail`; at most one). */
export type AlarmNotificationSettings =
  | { readonly topicArn: string; readonly email?: undefined }
  | { readonly email: string; readonly topicArn?: undefined };

/** Props of {@link AlarmNotifications}. */
export interface AlarmNotificationsProps {
  readonly settings: AlarmNotificationSettings;
}

/**
 * Sends every alarm's ALARM and OK transitions to one SNS topic: an existing topic (`topicArn`,
 * imported — its policy must let `cloudwatch.amazonaws.com` publish, and a KMS-encrypted one must
 * let CloudWatch use its key), or a topic created here with an email subscription (`email`; AWS
 * mails a confirmation link first). A created topic is encrypted with its own customer-managed key
 * (rotated yearly) whose policy lets CloudWatch encrypt — CloudWatch cannot publish to a topic under
 * the AWS managed `alias/aws/sns` key — and refuses publishers without TLS.
 *
 * @example new AlarmNotifications(this, 'AlarmNotifications', { settings: { email: 'ops@example.com' } }).notifyAll(this);
 */
export class AlarmNotifications extends Construct {
  readonly topic: ITopic;

  constructor(scope: Construct, id: string, props: AlarmNotificationsProps) {
    super(scope, id);
    const { settings } = props;
    if (settings.topicArn !== undefined) {
      this.topic = Topic.fromTopicArn(this, 'Topic', settings.topicArn);
      return;
    }
    const key = new Key(this, 'TopicKey', {
      description: 'Agent Integration Framework: encrypts the alarm notification topic',
      enableKeyRotation: true,
      // Retained like every key here: notifications encrypted under it stay readable (composeApp's
      // destroyOnRemoval turns it to DESTROY with the rest of the stage).
      removalPolicy: RemovalPolicy.RETAIN,
    });
    key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    const topic = new Topic(this, 'Topic', {
      displayName: 'Agent Integration Framework alarms',
      masterKey: key,
      enforceSSL: true,
    });
    topic.addSubscription(new EmailSubscription(settings.email));
    this.topic = topic;
  }

  /**
   * Adds the topic as ALARM and OK action of every CloudWatch alarm under `root` (call it once the
   * alarms exist).
   *
   * @returns the alarms wired
   */
  notifyAll(root: IConstruct): Alarm[] {
    const alarms = root.node.findAll().filter((c): c is Alarm => c instanceof Alarm);
    const action = new SnsAction(this.topic);
    for (const alarm of alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    return alarms;
  }
}
