// The SDK's view of the API contract: types read out of the generated OpenAPI types
// (openapi.ts, `npm run gen:sdk`), so a resource is declared once — the route's zod schema on
// the server — and the client's types follow it.
import type { paths } from './openapi.js';

export type { Json } from './openapi.js';
export type ApiPath = keyof paths;
export type ApiMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

type Operation<P extends ApiPath, M extends ApiMethod> = NonNullable<paths[P][M]>;
type JsonContent<R> = R extends { content: { 'application/json': infer C } } ? C : never;
/** The route's success status (200 or 201; 202 is a change held for approval, not the resource). */
type Success<R> = R extends { 200: infer S } ? S : R extends { 201: infer S } ? S : never;

/** The `data` of an operation's JSON success answer, as the route's `response` schema declares it. */
export type ResponseData<P extends ApiPath, M extends ApiMethod> =
  Operation<P, M> extends { responses: infer R } ? (JsonContent<Success<R>> extends { data: infer D } ? D : never) : never;

/** The JSON body an operation accepts (its route's `body` schema, input side). */
export type RequestBody<P extends ApiPath, M extends ApiMethod> =
  Operation<P, M> extends { requestBody?: infer B } ? JsonContent<NonNullable<B>> : never;

/** An operation's query parameters. */
export type QueryParams<P extends ApiPath, M extends ApiMethod> =
  Operation<P, M> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

/** The element type of an array. */
export type Item<T> = T extends readonly (infer I)[] ? I : never;
