/**
 * Render's contract: its public REST API's OpenAPI document (shared/specs/render), read by openapi.ts, plus
 * what the document implies but cannot say. Its `serviceDetails` and event `details` unions have no
 * discriminator and their variants overlap (so `oneOf` is read as `anyOf`); the service's `type` and the
 * event's `type` name the variant that applies, and a success response is also checked against it.
 */
import { loadOnce } from './contract.js';
import { loadOpenApi, type OpenApiContract } from './openapi.js';

/** Where Render's OpenAPI document lives: the shared specs folder beside the repository. */
export const RENDER_OPENAPI_URL = new URL(
  '../../../shared/specs/render/render-public-api.json',
  import.meta.url,
);

const EVENT_DETAIL_VARIANTS =
  '#/components/schemas/serviceEventWithCursor/properties/event/properties/details/oneOf';

/** Render's OpenAPI document as a contract; a success response is also checked against its implied variants. */
export const loadRenderContract = loadOnce((): OpenApiContract => {
  const document = loadOpenApi(RENDER_OPENAPI_URL, {
    provider: 'Render',
    oneOf: 'anyOf',
    queryDefaults: true,
    source: { name: "Render's OpenAPI document" },
  });
  return {
    ...document,
    validateResponse(operation, status, body, options) {
      const problems = document.validateResponse(operation, status, body, options);
      // Only a body of the documented shape can be narrowed to its implied variants.
      if (problems.length > 0 || status >= 300) return problems;
      return impliedVariantViolations(document, operation.operationId, body).map(
        (problem) => `response ${status} ${problem}`,
      );
    },
  };
});

/**
 * The variants the service's and the event's `type` imply: `web_service` -> `webServiceDetails`,
 * `deploy_ended` -> the `details` variant titled "Deploy Ended".
 */
function impliedVariantViolations(contract: OpenApiContract, operationId: string, body: unknown): string[] {
  const serviceDetails = (service: Record<string, unknown>) => {
    const name = String(service.type).replace(/_(\w)/g, (_, letter: string) => letter.toUpperCase());
    const variant = `#/components/schemas/${name}Details`;
    if (contract.schemaAt(variant) === undefined) return [];
    return contract
      .validateSchema(variant, service.serviceDetails)
      .map((problem) => `service ${String(service.id)} serviceDetails (${name}Details) ${problem}`);
  };
  const eventDetails = ({ event }: Record<string, unknown>) => {
    const { id, type, details } = event as Record<string, unknown>;
    const variants = contract.schemaAt(EVENT_DETAIL_VARIANTS) as { title?: string }[];
    const index = variants.findIndex((v) => v.title?.toLowerCase() === String(type).replace(/_/g, ' '));
    if (index < 0) return [];
    return contract
      .validateSchema(`${EVENT_DETAIL_VARIANTS}/${index}`, details)
      .map((problem) => `event ${String(id)} (${String(type)}) details ${problem}`);
  };
  const items = body as Record<string, unknown>[];
  switch (operationId) {
    case 'retrieve-service':
    case 'update-service':
      return serviceDetails(body as Record<string, unknown>);
    case 'list-services':
      return items.flatMap((item) => serviceDetails(item.service as Record<string, unknown>));
    case 'list-events':
      return items.flatMap(eventDetails);
    default:
      return [];
  }
}
