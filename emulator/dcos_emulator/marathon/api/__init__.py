"""The Marathon /v2 API layer over the core: reading request bodies into RAML types (reading), app
normalisation (normalize), validation with Marathon's messages (validation), query parameters
(query_params) and Marathon's status codes and error bodies for the core's results (responses)."""
