import type { HttpHandler, HttpRequest, InvocationContext } from '@azure/functions';
import type { Composition } from '../../shared/composition';
import { type Caller, iothubHandler, type RightsRequirement, type WireResponse } from '../../shared/http';

/** Where a handler finds the app's ports: resolved on its first request (registration happens at load). */
export type CompositionSource = () => Composition;

/** A use case behind an IoT Hub endpoint, with the composition it runs over. */
export type EndpointUseCase = (
  request: HttpRequest,
  context: InvocationContext,
  caller: Caller,
  app: Composition,
) => Promise<WireResponse>;

/**
 * An IoT Hub endpoint over the composition: authorizes the request with the composition's authorizer for
 * `rights`, runs the use case, and answers domain errors in IoT Hub's error format.
 */
export function compositionEndpoint(
  composition: CompositionSource,
  rights: RightsRequirement | ((method: string) => RightsRequirement),
  useCase: EndpointUseCase,
): HttpHandler {
  return iothubHandler({
    rights,
    authorizer: () => composition().authorizer(),
    handle: (request, context, caller) => useCase(request, context, caller, composition()),
  });
}
