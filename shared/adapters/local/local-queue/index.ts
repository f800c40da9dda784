export { md5OfMessageAttributes, PRIORITY_ATTRIBUTE } from './attributes';
export { MessageNotInflightError, ReceiptHandleIsInvalidError } from './errors';
export { LocalQueue } from './local-queue';
export type {
  LocalMessageAttributeValue,
  LocalMessageSystemAttributes,
  LocalQueueCounts,
  LocalQueueMessage,
  LocalQueueOptions,
  LocalReceiveOptions,
  LocalRedrivePolicy,
  LocalSendOptions,
} from './types';
