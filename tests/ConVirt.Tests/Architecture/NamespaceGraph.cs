using Mono.Cecil;
using Mono.Cecil.Cil;

namespace ConVirt.Tests.Architecture;

/// <summary>
/// Which namespaces of an assembly use which (read from its metadata and IL with Mono.Cecil): a type's base type,
/// interfaces, fields, properties, method signatures, local variables, and every type, method and field its method
/// bodies touch. Nested types count in their declaring type's namespace.
/// </summary>
internal sealed class NamespaceGraph
{
    private readonly Dictionary<string, Dictionary<string, string>> edges = new(StringComparer.Ordinal);

    /// <summary>ns -> (used ns -> an example "Type -> UsedType" for messages).</summary>
    public IReadOnlyDictionary<string, Dictionary<string, string>> Edges => edges;

    /// <summary>Adds a use (tests of the graph itself).</summary>
    public void Add(string from, string to, string example)
    {
        edges.TryAdd(from, new Dictionary<string, string>(StringComparer.Ordinal));
        edges[from].TryAdd(to, example);
    }

    public static NamespaceGraph Read(string assemblyPath, string prefix)
    {
        var graph = new NamespaceGraph();
        using var module = ModuleDefinition.ReadModule(assemblyPath);
        foreach (var type in module.GetTypes())
        {
            var from = Namespace(type);
            if (!from.StartsWith(prefix, StringComparison.Ordinal)) continue;
            graph.edges.TryAdd(from, new Dictionary<string, string>(StringComparer.Ordinal));
            void Use(TypeReference? t)
            {
                foreach (var used in Flatten(t))
                {
                    var to = Namespace(used);
                    if (to != from && to.StartsWith(prefix, StringComparison.Ordinal)) graph.edges[from].TryAdd(to, $"{type.FullName} -> {used.FullName}");
                }
            }
            Use(type.BaseType);
            foreach (var i in type.Interfaces) Use(i.InterfaceType);
            foreach (var f in type.Fields) Use(f.FieldType);
            foreach (var p in type.Properties) Use(p.PropertyType);
            foreach (var m in type.Methods)
            {
                Use(m.ReturnType);
                foreach (var p in m.Parameters) Use(p.ParameterType);
                if (!m.HasBody) continue;
                foreach (var v in m.Body.Variables) Use(v.VariableType);
                foreach (var ins in m.Body.Instructions)
                {
                    switch (ins.Operand)
                    {
                        case TypeReference t: Use(t); break;
                        case MethodReference mr:
                            Use(mr.DeclaringType); Use(mr.ReturnType);
                            foreach (var p in mr.Parameters) Use(p.ParameterType);
                            if (mr is GenericInstanceMethod g) foreach (var a in g.GenericArguments) Use(a);
                            break;
                        case FieldReference fr: Use(fr.DeclaringType); Use(fr.FieldType); break;
                    }
                }
            }
        }
        return graph;
    }

    /// <summary>The namespace groups that use each other in a circle (strongly connected components of more than one), each sorted.</summary>
    public List<List<string>> Cycles()
    {
        var nodes = edges.Keys.Concat(edges.Values.SelectMany(e => e.Keys)).Distinct().Order(StringComparer.Ordinal).ToList();
        int index = 0;
        var idx = new Dictionary<string, int>(); var low = new Dictionary<string, int>();
        var stack = new Stack<string>(); var on = new HashSet<string>();
        var result = new List<List<string>>();
        void Visit(string v)
        {
            idx[v] = low[v] = index++;
            stack.Push(v); on.Add(v);
            foreach (var w in edges.TryGetValue(v, out var e) ? e.Keys.ToList() : new List<string>())
            {
                if (!idx.ContainsKey(w)) { Visit(w); low[v] = Math.Min(low[v], low[w]); }
                else if (on.Contains(w)) low[v] = Math.Min(low[v], idx[w]);
            }
            if (low[v] != idx[v]) return;
            var component = new List<string>();
            string x;
            do { x = stack.Pop(); on.Remove(x); component.Add(x); } while (x != v);
            if (component.Count > 1) result.Add([.. component.Order(StringComparer.Ordinal)]);
        }
        foreach (var n in nodes) if (!idx.ContainsKey(n)) Visit(n);
        return result;
    }

    private static string Namespace(TypeReference t)
    {
        while (t.DeclaringType is not null) t = t.DeclaringType;
        return t.Namespace;
    }

    private static IEnumerable<TypeReference> Flatten(TypeReference? t)
    {
        if (t is null) yield break;
        switch (t)
        {
            case GenericInstanceType g:
                foreach (var x in Flatten(g.ElementType)) yield return x;
                foreach (var a in g.GenericArguments) foreach (var x in Flatten(a)) yield return x;
                break;
            case TypeSpecification s:
                foreach (var x in Flatten(s.ElementType)) yield return x;
                break;
            case GenericParameter:
                break;
            default:
                yield return t;
                break;
        }
    }
}
