using BenchmarkDotNet.Running;

namespace Widescan.Benchmarks;

/// <summary>Entry point: BenchmarkSwitcher picks suites by --filter, as BenchmarkDotNet documents.</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
