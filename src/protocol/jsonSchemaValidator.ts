import type { JsonSchemaType, jsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/types.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv-provider.js";

let ajv: AjvJsonSchemaValidator | undefined;

/**
 * The JSON Schema validator every SDK Server and Client of the gateway shares. The SDK builds an Ajv
 * instance (about 18 KB of heap) per Server and per Client unless given one, and the gateway has one
 * of each per client session and per backend. Only typed helpers the gateway never calls use it
 * (the Client's listTools, the Server's elicitInput), so it is built on first use, once.
 */
export const sharedJsonSchemaValidator: jsonSchemaValidator = {
  getValidator<T>(schema: JsonSchemaType) {
    return (ajv ??= new AjvJsonSchemaValidator()).getValidator<T>(schema);
  },
};
