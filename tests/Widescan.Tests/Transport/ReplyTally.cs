using Widescan.Contracts;
using Widescan.Tests.Lab;

namespace Widescan.Tests.Transport;

/// <summary>Counts echo replies per address of a prefix of at most 2^20 addresses, from any thread.</summary>
internal sealed class ReplyTally
{
    private readonly Ipv6Prefix _prefix;
    private readonly int[] _seen;
    private readonly ManualResetEventSlim _all = new();
    private int _distinct;
    private int _duplicates;
    private int _foreign;

    public ReplyTally(Ipv6Prefix prefix)
    {
        if (prefix.Length < 108)
            throw new ArgumentException($"{prefix} is too large to tally");
        _prefix = prefix;
        _seen = new int[(int)prefix.Size];
    }

    public int Distinct => Volatile.Read(ref _distinct);

    public int Duplicates => Volatile.Read(ref _duplicates);

    public int Foreign => Volatile.Read(ref _foreign);

    public void Count(ReadOnlySpan<byte> message, UInt128 source)
    {
        if (!_prefix.Contains(source) || !EchoRequestWriter.IsReplyFrom(message, source))
        {
            Interlocked.Increment(ref _foreign);
            return;
        }

        var index = (int)(source - _prefix.Network);
        if (Interlocked.Increment(ref _seen[index]) > 1)
        {
            Interlocked.Increment(ref _duplicates);
            return;
        }

        if (Interlocked.Increment(ref _distinct) == _seen.Length)
            _all.Set();
    }

    /// <summary>Up to <paramref name="limit"/> addresses that have not replied, for the failure message.</summary>
    public string Missing(int limit = 8)
    {
        var missing = new List<string>();
        for (var i = 0; i < _seen.Length && missing.Count < limit; i++)
        {
            if (Volatile.Read(ref _seen[i]) == 0)
                missing.Add(Ipv6Address.Format(_prefix.Network + (UInt128)(uint)i));
        }

        return missing.Count == 0 ? "none" : string.Join(", ", missing);
    }

    /// <summary>Returns when every address has replied or the token is cancelled (the caller's deadline).</summary>
    public void WaitForAll(CancellationToken cancellationToken)
    {
        try
        {
            _all.Wait(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The assertions that follow report how many replies were missing.
        }

        // Give duplicates a moment to show: a reply counted twice arrives right behind the first.
        Thread.Sleep(200);
    }
}
