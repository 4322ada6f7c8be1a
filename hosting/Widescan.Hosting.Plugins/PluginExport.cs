namespace Widescan.Hosting.Plugins;

/// <summary>One MEF export of a loaded plugin, as <c>widescan plugins</c> lists it.</summary>
/// <param name="Name">The "Name" metadata ("cpu"), or the contract name / type name without one.</param>
/// <param name="Kind">The "Kind" metadata (generator, module, broadcaster, listener), or one inferred from the contract.</param>
/// <param name="Contract">The contract type's full name.</param>
/// <param name="Part">The exporting class's full name.</param>
public sealed record PluginExport(string Name, string Kind, string Contract, string Part);
