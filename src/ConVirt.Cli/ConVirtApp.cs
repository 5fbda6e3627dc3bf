using ConVirt.Models.Kernels;
using ConVirt.Cli.Commands;
using ConVirt.Runtime;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ConVirt.Cli;

/// <summary>The `convirt` command line: one thin command class per verb over library calls.</summary>
internal static class ConVirtApp
{
    /// <summary>Runs the tool in-process (tests call this too) and returns the exit code.</summary>
    public static int Run(string[] args, IAnsiConsole? console = null)
    {
        // the documented `--k 5,10,50` (Spectre needs long option names of 2+ characters): same as --ks
        args = args.Select(a => a == "--k" ? "--ks" : a).ToArray();
        // every verb but info (which reports it) needs libtorch: refuse in one sentence before doing any work
        if (args.Length > 0 && !args[0].StartsWith('-') && args[0] != "info" && !args.Contains("--help") && !args.Contains("-h")
            && NativeRuntime.Status is { Loaded: false, Error: var error })
        {
            (console ?? AnsiConsole.Console).MarkupLineInterpolated($"[red]error:[/] {error}");
            return 1;
        }
        // a misspelt CONVIRT_LINEAR or CONVIRT_MKL is refused before any work (the native runtime left MKL alone for the latter)
        if (args.Length > 0 && args[0] != "info")
        {
            try
            {
                _ = ConVirt.Models.Kernels.DenseKernel.Policy;
                _ = MklDispatch.FromEnvironment(Environment.GetEnvironmentVariable(MklDispatch.EnvironmentVariable));
            }
            catch (InvalidOperationException e)
            {
                (console ?? AnsiConsole.Console).MarkupLineInterpolated($"[red]error:[/] {e.Message}");
                return 2;
            }
        }
        var app = new CommandApp();
        app.Configure(c =>
        {
            c.SetApplicationName("convirt");
            c.UseStrictParsing();
            if (console is not null) c.ConfigureConsole(console);
            c.AddCommand<InfoCommand>("info").WithDescription("Versions, threads, device, native library status and packaged weights.");
            c.AddCommand<DemoCommand>("demo").WithDescription("Synthetic X-rays and reports -> pretrain -> text-to-image retrieval before and after.");
            c.AddCommand<ExportCommand>("export").WithDescription("Export an encoder as PyTorch / HuggingFace files (safetensors, .pt, BertModel folder) or for deployment as ONNX (--format onnx).");
            c.AddCommand<ManifestCommand>("manifest").WithDescription("Build a manifest from a DICOM folder and a report table (identifiers pseudonymised, split by patient).");
            c.AddCommand<PrepareCommand>("prepare").WithDescription("Manifests -> resized WebDataset-style tar shards + dataset.json (resumable); --verify DIR re-checks them.");
            c.AddCommand<PretrainCommand>("pretrain").WithDescription("Pretrain ConVIRT (or SimCLR / MoCo v2) on your manifests.");
            c.AddCommand<LabelCommand>("label").WithDescription("Label reports (CheXpert or ChestX-ray14 observations, 1/0/-1) and write the manifest with the labels added.");
            c.AddCommand<EmbedCommand>("embed").WithDescription("Image (h_v / v) or text (u) embeddings of a manifest, with row ids.");
            c.AddBranch("evaluate", e =>
            {
                e.SetDescription("Evaluate an encoder: linear probe, fine-tuning, retrieval or zero-shot.");
                e.AddCommand<EvaluateLinearCommand>("linear").WithDescription("Logistic regression on frozen h_v at label fractions (mean, 95% bootstrap interval).");
                e.AddCommand<EvaluateFinetuneCommand>("finetune").WithDescription("Fine-tune the image encoder + a linear head at label fractions, early stopping.");
                e.AddCommand<EvaluateZeroshotCommand>("zeroshot").WithDescription("Zero-shot classification from prompts (classes, or positive/negative pairs per finding), 95% intervals.");
                e.AddCommand<EvaluateRetrievalCommand>("retrieval").WithDescription("Image-to-image and text-to-image precision@k by label.");
                e.AddCommand<EvaluateLabelsCommand>("labels").WithDescription("Agreement of report labels with a gold standard: P/R/F1 per class, micro and macro, 95% intervals.");
            });
            c.AddCommand<GroundCommand>("ground").WithDescription("Grounding map: where in an image a phrase matches (PNG overlay + CSV).");
            c.AddCommand<TsneCommand>("tsne").WithDescription("t-SNE map of h_v coloured by a label (PNG + CSV).");
            c.AddCommand<PreviewCommand>("preview").WithDescription("What the model sees of one image (decode, DICOM window, evaluation transform) as a PNG, with the decoding facts.");
            c.AddCommand<ServeCommand>("serve").WithDescription("Case-retrieval service with a web page: search the archive by text or image, thumbnails, grounding maps.");
            c.AddCommand<ReportCommand>("report").WithDescription("One markdown report with plots from several evaluation output folders.");
            c.SetExceptionHandler((ex, _) =>
            {
                (console ?? AnsiConsole.Console).MarkupLineInterpolated($"[red]error:[/] {UnknownInput.Describe(ex, args) ?? Describe(ex)}");
                return ex is CommandParseException or CommandRuntimeException ? 2 : 1;
            });
        });
        return app.Run(args);
    }

    /// <summary>One line for an error: native-load failures become the runtime's one-sentence cause.</summary>
    public static string Describe(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
            if (e is DllNotFoundException or TypeInitializationException or BadImageFormatException && e.Message.Contains("torch", StringComparison.OrdinalIgnoreCase))
                return NativeRuntime.Describe(e);
        return ex is TypeInitializationException && ex.InnerException is not null ? ex.InnerException.Message : ex.Message;
    }
}
