/** The protocol's ABIs, generated from the compiled artifacts by `npm run build`. */
export * from "./generated.js";
