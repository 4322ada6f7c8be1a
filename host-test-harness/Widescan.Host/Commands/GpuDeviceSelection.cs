namespace Widescan.Host.Commands;

/// <summary>
/// Passes --gpu-device to the GPU generator. The contracts carry no device field (a host picks a
/// generator, not its hardware), so the plugin's "gpu" generator reads the documented environment
/// variable WIDESCAN_GPU_DEVICE when no one set its device in code; the harness sets it before the
/// generator is first asked for its availability.
/// </summary>
internal static class GpuDeviceSelection
{
    public const string Variable = "WIDESCAN_GPU_DEVICE";

    public static void Apply(string device) => Environment.SetEnvironmentVariable(Variable, device);
}
