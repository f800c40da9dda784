export { isOpenApiDocument } from './document';
export { OpenApiImportError } from './errors';
export { importOpenApiDocument, type OpenApiImportOverrides } from './import';
