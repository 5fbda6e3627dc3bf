using ConVirt.Models.Kernels;
using ConVirt.Runtime;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;

namespace ConVirt.Cli.Commands;

/// <summary>`convirt info`: versions, device, threads, native library status, packaged weights.</summary>
internal sealed class InfoCommand(IAnsiConsole console) : Command
{
    public override int Execute(CommandContext context, CancellationToken cancellationToken)
    {
        var table = new Table().AddColumns("item", "value").HideHeaders().Border(TableBorder.Simple);
        table.AddRow("program", Markup.Escape($"convirt {NativeRuntime.ProgramVersion}"));
        table.AddRow("runtime", Markup.Escape($".NET {Environment.Version} on {System.Runtime.InteropServices.RuntimeInformation.OSDescription}"));
        table.AddRow("TorchSharp", NativeRuntime.TorchSharpVersion);
        var status = NativeRuntime.Status;
        table.AddRow("native library", status.Loaded ? "[green]loaded[/]" : "[red]not loaded[/]: " + Markup.Escape(status.Error ?? ""));
        if (status.Loaded)
        {
            table.AddRow("libtorch", NativeRuntime.LibTorchVersion);
            table.AddRow("device", torch.cuda.is_available() ? $"cuda ({torch.cuda.device_count()} devices), cpu" : "cpu (CUDA not available)");
            table.AddRow("threads", $"intra-op {torch.get_num_threads()}, inter-op {torch.get_num_interop_threads()}, cores {Environment.ProcessorCount}");
            table.AddRow("native runtime", $"OMP_WAIT_POLICY {ConVirt.Runtime.NativeRuntime.OpenMpWaitPolicy}, allocator {ConVirt.Runtime.NativeRuntime.AllocatorPolicy} (CONVIRT_MALLOC=default keeps glibc's), NNPACK {(ConVirt.Runtime.NnpackSwitch.TurnedOff ? "off (it cannot initialise on this CPU)" : "libtorch's default")}");
            var mkl = ConVirt.Runtime.MklDispatch.State;
            table.AddRow("matrix products", Markup.Escape($"MKL {(mkl.Unlocked ? "Intel kernels unlocked" : "as shipped")}: {mkl.Reason} ({ConVirt.Runtime.MklDispatch.EnvironmentVariable}=auto|vendor|intel)"));
            string linear;
            try { linear = ConVirt.Models.Kernels.DenseKernel.Policy.ToString().ToLowerInvariant(); }
            catch (InvalidOperationException e) { linear = "[red]invalid[/]: " + Markup.Escape(e.Message); }
            var cpuBf16 = ConVirt.Precision.PrecisionPolicy.Resolve(ConVirt.Precision.PrecisionMode.Auto, "cpu");
            table.AddRow("precision", Markup.Escape($"--precision auto on cpu: {cpuBf16.Policy.Name} ({cpuBf16.Reason})"));
            if (torch.cuda.is_available())
            {
                var cudaBf16 = ConVirt.Precision.PrecisionPolicy.Resolve(ConVirt.Precision.PrecisionMode.Auto, "cuda");
                table.AddRow("", Markup.Escape($"--precision auto on cuda: {cudaBf16.Policy.Name} ({cudaBf16.Reason})"));
            }
            table.AddRow("inference", Markup.Escape(ConVirt.Inference.TowerBackends.DescribeAuto()));
            table.AddRow("linear layers", $"{linear} ({ConVirt.Models.Kernels.DenseKernel.EnvironmentVariable}=auto|blas|onednn; auto: oneDNN for CPU float32 inputs of {ConVirt.Models.Kernels.DenseKernel.MinRowsForOneDnn}+ rows on AVX-512 CPUs; this CPU {(ConVirt.Models.Kernels.DenseKernel.CpuHasAvx512 ? "has" : "has no")} AVX-512)");
        }
        table.AddRow("weights: imagenet", Markup.Escape(ConVirt.Interop.PackagedWeights.IsAvailable
            ? $"ResNet-18 (CNTK export) at {ConVirt.Interop.PackagedWeights.ResNet18Path}"
            : $"missing: {ConVirt.Interop.PackagedWeights.ResNet18Path} (restore Microsoft.ML.DnnImageFeaturizer.ResNet18)"));
        foreach (var name in ConVirt.Data.Text.PackagedTextModels.Names)
        {
            string where;
            try { using var v = ConVirt.Data.Text.PackagedTextModels.OpenVocab(name); where = $"6-layer BERT + vocab.txt embedded in {ConVirt.Data.Text.PackagedTextModels.ResourceName(name, "model.onnx")}"; }
            catch (Exception e) { where = "missing: " + e.Message; }
            table.AddRow($"weights: {name}", Markup.Escape(where));
        }
        console.Write(table);
        return status.Loaded ? 0 : 1;
    }
}
