//! What a world exports, as a skeleton implements it: the world's own
//! functions, then each exported interface with its functions and
//! resources, in the order the generators visit them. Names, kinds and
//! docs come from witloom's IR; the wit-parser items beside them are what
//! the generators' own naming functions take.

use wit_bindgen_core::wit_parser::{
    Function, InterfaceId, Resolve, TypeDefKind, TypeId, WorldId, WorldItem, WorldKey,
};
use witloom_ir::{Ir, Loaded};

/// The exports of one world.
pub(crate) struct Exports<'a> {
    pub resolve: &'a Resolve,
    pub world: WorldId,
    /// The world's name, as the generators take it.
    pub world_name: &'a str,
    /// The world's own functions first (the generators bind them before
    /// any interface), then the interfaces in export order.
    pub groups: Vec<Group<'a>>,
}

/// The world's own functions, or one exported interface.
pub(crate) struct Group<'a> {
    /// `None` for the world's own functions.
    pub key: Option<&'a WorldKey>,
    pub interface: Option<InterfaceId>,
    /// The interface in the IR.
    pub ir: Option<&'a witloom_ir::Interface>,
    pub functions: Vec<Func<'a>>,
    /// The resources the interface defines (not those it `use`s), in
    /// definition order: the user gives each a representation.
    pub resources: Vec<Resource<'a>>,
}

/// One exported function.
pub(crate) struct Func<'a> {
    pub wit: &'a Function,
    pub ir: &'a witloom_ir::Function,
}

/// One exported resource.
pub(crate) struct Resource<'a> {
    pub id: TypeId,
    /// Its WIT name.
    pub name: &'a str,
}

impl<'a> Exports<'a> {
    pub fn of(wit: &'a Loaded, world: WorldId) -> Exports<'a> {
        let resolve = &wit.resolve;
        let w = &resolve.worlds[world];
        let ir_world = &wit.ir.worlds[witloom_ir::WorldId(world.index() as u32)];
        let mut own = Group {
            key: None,
            interface: None,
            ir: None,
            functions: Vec::new(),
            resources: Vec::new(),
        };
        let mut interfaces = Vec::new();
        for (key, item) in &w.exports {
            match item {
                WorldItem::Function(f) => {
                    let ir = ir_world
                        .exports
                        .iter()
                        .find_map(|i| match &i.kind {
                            witloom_ir::WorldItemKind::Function { function }
                                if function.name == f.name =>
                            {
                                Some(&**function)
                            }
                            _ => None,
                        })
                        .expect("the IR lowers every export of the world");
                    own.functions.push(Func { wit: f, ir });
                }
                WorldItem::Interface { id, .. } => {
                    interfaces.push(interface_group(&wit.ir, resolve, key, *id));
                }
                // A world exports no types.
                WorldItem::Type { .. } => {}
            }
        }
        let mut groups = Vec::new();
        if !own.functions.is_empty() {
            groups.push(own);
        }
        groups.extend(interfaces);
        Exports {
            resolve,
            world,
            world_name: &w.name,
            groups,
        }
    }

    /// The exported interface that is the host's entry point `entry`
    /// (`wasi:cli/run@0.2.x`), and the function of it the host calls.
    pub fn find(&self, entry: witloom_host::Entry) -> Option<(&Group<'a>, &Func<'a>)> {
        let name = entry.function();
        self.groups.iter().find_map(|g| {
            let key = g.key?;
            if witloom_host::Entry::of_export(&self.resolve.name_world_key(key)) != Some(entry) {
                return None;
            }
            g.functions
                .iter()
                .find(|f| f.ir.item_name == name && f.wit.kind.resource().is_none())
                .map(|f| (g, f))
        })
    }
}

fn interface_group<'a>(
    ir: &'a Ir,
    resolve: &'a Resolve,
    key: &'a WorldKey,
    id: InterfaceId,
) -> Group<'a> {
    let iface = &resolve.interfaces[id];
    let ir_iface = &ir.interfaces[witloom_ir::InterfaceId(id.index() as u32)];
    let functions = iface
        .functions
        .iter()
        .map(|(name, f)| Func {
            wit: f,
            ir: &ir_iface.functions[name],
        })
        .collect();
    let resources = iface
        .types
        .iter()
        .filter(|(_, ty)| matches!(resolve.types[**ty].kind, TypeDefKind::Resource))
        .map(|(name, ty)| Resource {
            id: *ty,
            name: name.as_str(),
        })
        .collect();
    Group {
        key: Some(key),
        interface: Some(id),
        ir: Some(ir_iface),
        functions,
        resources,
    }
}

impl Exports<'_> {
    /// The name an exported interface goes by in the world: its own, or
    /// the name it is exported under when written inline.
    pub fn interface_name(&self, key: &WorldKey) -> String {
        match key {
            WorldKey::Name(n) => n.clone(),
            WorldKey::Interface(id) => self.resolve.interfaces[*id]
                .name
                .clone()
                .unwrap_or_default(),
        }
    }
}

impl<'a> Group<'a> {
    /// The functions of `resource` (`None`: the freestanding ones), in
    /// order.
    pub fn functions_of(&self, resource: Option<TypeId>) -> impl Iterator<Item = &Func<'a>> {
        self.functions
            .iter()
            .filter(move |f| f.wit.kind.resource() == resource)
    }
}
