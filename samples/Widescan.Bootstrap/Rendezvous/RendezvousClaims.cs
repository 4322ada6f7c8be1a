namespace Widescan.Bootstrap.Rendezvous;

/// <summary>
/// The rendezvous addresses the listener claimed, as its log says them: the plugin reports a claim
/// only in its log (<c>Rendezvous: claimed {Address} on {Interface} (slot {Slot} of {Prefix}, key id
/// {KeyId}) ...</c>, no event), which Widescan.Hosting hands to ILogger with the template and its
/// values as structured state. This logger provider reads that state (never the rendered text) for the
/// page and <c>/api/rendezvous</c>; a <c>Rendezvous:</c> warning (no CAP_NET_ADMIN, no global /64, all
/// slots taken) is kept too, so the page says why nothing was claimed.
/// </summary>
internal sealed class RendezvousClaims : ILoggerProvider
{
    private const string Claimed = "Rendezvous: claimed ";
    private const string Topic = "Rendezvous: ";
    private readonly Lock _lock = new();
    private readonly Dictionary<string, RendezvousClaim> _claims = [];
    private string? _problem;

    /// <summary>Called when a claim or a problem is logged.</summary>
    public event Action? Changed;

    public RendezvousState State()
    {
        lock (_lock)
            return new RendezvousState([.. _claims.Values.OrderBy(c => c.Address, StringComparer.Ordinal)], _problem);
    }

    public ILogger CreateLogger(string categoryName) => new Reader(this);

    public void Dispose()
    {
    }

    private void Take(LogLevel level, IReadOnlyList<KeyValuePair<string, object?>> state, string message)
    {
        string? template = null;
        foreach (var (key, value) in state)
        {
            if (key == "{OriginalFormat}")
                template = value as string;
        }

        if (template is null || !template.StartsWith(Topic, StringComparison.Ordinal))
            return;
        lock (_lock)
        {
            if (template.StartsWith(Claimed, StringComparison.Ordinal) && Value(state, "Address") is { } address)
            {
                _claims[address] = new RendezvousClaim(address, Value(state, "Interface") ?? "", Value(state, "Prefix") ?? "",
                    int.TryParse(Value(state, "Slot"), out var slot) ? slot : -1, Value(state, "KeyId") ?? "", DateTimeOffset.UtcNow);
            }
            else if (level >= LogLevel.Warning)
            {
                _problem = message;
            }
            else
            {
                return;
            }
        }

        Changed?.Invoke();
    }

    private static string? Value(IReadOnlyList<KeyValuePair<string, object?>> state, string name)
    {
        foreach (var (key, value) in state)
        {
            if (key == name)
                return Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture);
        }

        return null;
    }

    private sealed class Reader(RendezvousClaims claims) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (state is IReadOnlyList<KeyValuePair<string, object?>> values)
                claims.Take(logLevel, values, formatter(state, exception));
        }
    }
}

/// <summary>One claimed rendezvous address (JSON, camelCase).</summary>
/// <param name="Address">The address.</param>
/// <param name="Interface">The interface it is on.</param>
/// <param name="Prefix">The /64 it is in.</param>
/// <param name="Slot">Its slot (the lowest free one when claimed).</param>
/// <param name="KeyId">The network key's id (never the key).</param>
/// <param name="ClaimedAt">When the log said so.</param>
internal sealed record RendezvousClaim(string Address, string Interface, string Prefix, int Slot, string KeyId, DateTimeOffset ClaimedAt);

/// <summary>What /api/rendezvous and the page show: the claims, and the last rendezvous warning (why nothing was claimed), if any.</summary>
/// <param name="Claims">The claimed addresses.</param>
/// <param name="Problem">The last <c>Rendezvous:</c> warning, or null.</param>
internal sealed record RendezvousState(RendezvousClaim[] Claims, string? Problem);
