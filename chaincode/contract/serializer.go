package contract

import (
	"reflect"

	"github.com/hyperledger/fabric-contract-api-go/v2/metadata"
	"github.com/hyperledger/fabric-contract-api-go/v2/serializer"
)

// stringSerializer passes string arguments and results through untouched.
// Every transaction takes and returns JSON strings that the contract decodes
// and validates itself (model.Decode + Validate), so contractapi's JSON
// schema validation of those strings only cost time: it was a quarter of a
// RecordSignature. Other types go to the default serializer.
type stringSerializer struct{ serializer.JSONSerializer }

var stringType = reflect.TypeOf("")

func (s *stringSerializer) FromString(param string, t reflect.Type, p *metadata.ParameterMetadata, c *metadata.ComponentMetadata) (reflect.Value, error) {
	if t == stringType {
		return reflect.ValueOf(param), nil
	}
	return s.JSONSerializer.FromString(param, t, p, c)
}

func (s *stringSerializer) ToString(v reflect.Value, t reflect.Type, r *metadata.ReturnMetadata, c *metadata.ComponentMetadata) (string, error) {
	if t == stringType {
		return v.String(), nil
	}
	return s.JSONSerializer.ToString(v, t, r, c)
}
