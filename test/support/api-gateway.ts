import type { Template } from 'aws-cdk-lib/assertions';

/** A resource of a synthesized template. */
export type CfnResource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };

/** Full resource path (`/v1/contracts/{name}`) of every AWS::ApiGateway::Resource, by logical id. */
export function resourcePaths(resources: Record<string, CfnResource>): Map<string, string> {
  const paths = new Map<string, string>();
  const pathOf = (logicalId: string): string => {
    const known = paths.get(logicalId);
    if (known) return known;
    const { ParentId, PathPart } = resources[logicalId]!.Properties as { ParentId: unknown; PathPart: string };
    const parent = (ParentId as { Ref?: string }).Ref;
    const path = `${parent ? pathOf(parent) : ''}/${PathPart}`;
    paths.set(logicalId, path);
    return path;
  };
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type === 'AWS::ApiGateway::Resource') pathOf(logicalId);
  }
  return paths;
}

/** The methods of the API as `{ path, httpMethod, authorizationType, authorizerId, integrationType, functionLogicalId }`. */
export function methodsOf(template: Template) {
  const resources = template.toJSON().Resources as Record<string, CfnResource>;
  const paths = resourcePaths(resources);
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::ApiGateway::Method')
    .map((method) => {
      const props = method.Properties as {
        HttpMethod: string;
        ResourceId: { Ref?: string };
        AuthorizationType: string;
        AuthorizerId?: { Ref?: string };
        Integration: { Type: string; Uri: unknown };
      };
      const functionLogicalId = JSON.stringify(props.Integration.Uri).match(/"Fn::GetAtt":\["([^"]+)","Arn"\]/)?.[1];
      return {
        path: props.ResourceId.Ref ? paths.get(props.ResourceId.Ref)! : '/',
        httpMethod: props.HttpMethod,
        authorizationType: props.AuthorizationType,
        authorizerId: props.AuthorizerId?.Ref,
        integrationType: props.Integration.Type,
        functionLogicalId,
      };
    });
}
