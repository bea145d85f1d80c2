namespace Cacophony.Serve;

/// <summary>
/// A request the server answers with a 4xx (or 503) and an OpenAI-style JSON error:
/// {"error": {"message", "type", "param", "code"}}. The message names the problem and, where there is one, the field.
/// </summary>
sealed class ApiException(int status, string message, string? param = null, string? code = null) : Exception(message)
{
    public int Status { get; } = status;
    public string? Param { get; } = param;
    public string? Code { get; } = code;

    /// <summary>Seconds the client should wait before retrying (429 and 503).</summary>
    public int? RetryAfter { get; init; }

    public string Type => Status switch
    {
        401 => "authentication_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        >= 500 => "server_error",
        _ => "invalid_request_error",
    };

    public static ApiException BadRequest(string message, string? param = null) => new(400, message, param);
}
